// Shared by the credential, certificate and mesh-CA check tests: certificates generated at test time,
// secrets as YAML, a table runner whose options carry the test root as --ca-file.
import { test } from 'node:test';
import { runChecks } from '../../src/checks/run.js';
import type { CheckModule } from '../../src/checks/types.js';
import type { CheckOptions } from '../../src/model/options.js';
import type { Finding } from '../../src/findings/types.js';
import { loadTrustStore } from '../../src/tls/index.js';
import { snapshotFromYaml } from '../helpers/snapshot.js';
import { issueChain, chainPem, type IssuedCert } from '../../src/testing/certgen.js';
import { CLUSTER, assertTableCase, gateway, docs } from './_support.js';

export const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
export const DAY = 86_400_000;

export const pki = await issueChain({ dns: ['shop.example.com', '*.shop.example.com'], intermediates: 1 });
export const NOW = new Date();

export function options(extra: Partial<CheckOptions> = {}, anchors: IssuedCert[] = [pki.root]): CheckOptions {
  return {
    now: NOW,
    expiryWarningMs: 30 * DAY,
    trustStore: loadTrustStore(anchors.map((a) => a.certPem).join(''), { includeBundled: false }),
    ...extra,
  };
}

export function tlsSecret(opts: { name?: string; namespace?: string; type?: string; data: Record<string, string> }): string {
  const data = Object.entries(opts.data).map(([k, v]) => `  ${k}: "${v}"`).join('\n');
  return `
apiVersion: v1
kind: Secret
metadata: {name: ${opts.name ?? 'shop-tls'}, namespace: ${opts.namespace ?? 'istio-system'}}
type: ${opts.type ?? 'kubernetes.io/tls'}
data:
${data || '  {}'}
`;
}

export const tlsData = (cert: IssuedCert, withChain = true) => ({ 'tls.crt': b64(withChain ? chainPem(cert) : cert.certPem), 'tls.key': b64(cert.keyPem) });

export function httpsServer(hosts: string[], credential = 'shop-tls', mode = 'SIMPLE', port = 443): string {
  return `
  - port: {number: ${port}, name: https-${port}, protocol: HTTPS}
    hosts: [${hosts.map((h) => `"${h}"`).join(', ')}]
    tls: {mode: ${mode}, credentialName: ${credential}}`;
}

export function cluster(...parts: string[]): string {
  return docs(CLUSTER, ...parts);
}

export { gateway };

export interface Case {
  name: string;
  yaml: string;
  report?: string[];
  silent?: string[];
  options?: Partial<CheckOptions>;
  anchors?: IssuedCert[];
  assert?: (findings: Finding[]) => void;
}

export function run(module: CheckModule, c: Pick<Case, 'yaml' | 'options' | 'anchors'>): Finding[] {
  return runChecks(snapshotFromYaml(c.yaml), options(c.options, c.anchors), [module]).findings;
}

export function table(module: CheckModule, cases: Case[]): void {
  // no base64 of key material either: the second PEM line is a fragment of the key's base64 body
  for (const c of cases) test(c.name, () => assertTableCase(c, run(module, c), [pki.leaf.keyPem.split('\n')[1]]));
}
