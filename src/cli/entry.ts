// The npm launcher's entry (dist/npm/cli.js, built with esbuild code splitting): `version`, `help` and
// shell completion are answered from small modules; the doctor (main.ts: checks, manifests, report,
// remediation, and through it the live source) is a chunk of its own, loaded with a dynamic import
// only for the commands that need it. Start-up of `version` is then node's own plus a few KB of JS.
// Everything else (usage errors included) goes through main.ts's runCli, so behaviour is one code path.
import { parseCommandLine } from './args.js';
import { runComplete } from './completion.js';
import { helpText, programName } from './help.js';
import { printVersion } from './version.js';

export async function main(argv: string[]): Promise<number> {
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  // kubectl_complete-istio_tls (shell completion through kubectl) calls `kubectl-istio_tls __complete …`
  if (argv[0] === '__complete') return runComplete(argv.slice(1), io);
  let command: string | undefined;
  let req: ReturnType<typeof parseCommandLine> | undefined;
  try {
    req = parseCommandLine(argv);
    command = req.command;
  } catch {
    // a usage error: main.ts words it
  }
  if (req && command === 'version') return printVersion(req, io);
  if (req && command === 'help') {
    io.stdout.write(helpText(req.helpFor, programName()));
    return 0;
  }
  const doctor = await import('./main.js');
  return doctor.main(argv);
}
