// `npm run conformance`: scores the doctor on the external corpora in test/corpora (PROVENANCE.md there)
// (x509-limbo for certificate verdicts, Istio's analyzer test data for configuration checks).
// Each part prints agreement and every disagreement; the exit code is 1 when a part is below its floor.
import { runLimboMain } from './conformance/limbo.js';
import { runIstioMain } from './conformance/istio.js';

const parts = process.argv.slice(2);
let failed = false;
if (parts.length === 0 || parts.includes('limbo')) failed = (await runLimboMain()) !== 0 || failed;
if (parts.length === 0 || parts.includes('istio')) failed = (await runIstioMain()) !== 0 || failed;
process.exitCode = failed ? 1 : 0;
