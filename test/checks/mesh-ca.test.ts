import assert from 'node:assert/strict';
import { meshCaCheck } from '../../src/checks/mesh-ca.js';
import { issueCert } from '../../src/testing/certgen.js';
import { b64, cluster, gateway, httpsServer, pki, table, tlsData, tlsSecret } from './certs-support.js';

const meshRoot = await issueCert({ cn: 'cluster.local', o: 'cluster.local', ca: true });
const otherKey = await issueCert({ cn: 'other', ca: true });
const expiredRoot = await issueCert({ cn: 'cluster.local', ca: true, notBefore: new Date(Date.now() - 400 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
const GW = gateway({ servers: httpsServer(['shop.example.com']) });
const caSecret = (data: Record<string, string>, type = 'istio.io/ca-root', name = 'istio-ca-secret') => tlsSecret({ name, type, data });
const pem = (cert: { certPem: string; keyPem: string }, key = cert.keyPem) => ({ 'ca-cert.pem': b64(cert.certPem), 'ca-key.pem': b64(key), 'cert-chain.pem': '', 'key.pem': '', 'root-cert.pem': '' });

table(meshCaCheck, [
  { name: 'stays silent on the istio-ca-secret istiod generated', yaml: cluster(GW, caSecret(pem(meshRoot))), silent: ['ITLS209'] },
  { name: 'stays silent on a plug-in cacerts with an intermediate CA', yaml: cluster(GW, caSecret({ 'ca-cert.pem': b64(pki.intermediates[0].certPem), 'ca-key.pem': b64(pki.intermediates[0].keyPem), 'root-cert.pem': b64(pki.root.certPem), 'cert-chain.pem': b64(pki.intermediates[0].certPem + pki.root.certPem) }, 'Opaque', 'cacerts')), silent: ['ITLS209'] },
  {
    name: 'reports ITLS209 when istio-ca-secret holds the gateway server certificate, with safe recovery steps',
    yaml: cluster(GW, caSecret(pem(pki.leaf))),
    report: ['ITLS209'],
    assert: (f) => {
      const x = f[0];
      assert.equal(x.severity, 'error');
      assert.equal(x.resource.kind, 'Secret');
      assert.match(x.message, /not a CA certificate/);
      // the detail is an evidence line (one voice: the message names the problem)
      assert.match(String(x.evidence.problems), /gateway host\(s\) shop\.example\.com/);
      // two alternatives, each its own block: [a] restore (its backup file checked first), [b] re-root, commented out
      assert.ok(x.remediation!.commands!.every((c) => c.startsWith('#')), 'nothing runs from the common block');
      const [restore, reroot] = x.remediation!.alternatives!;
      assert.match(restore.label, /best/);
      assert.match(restore.commands[0], /^: "\$\{ISTIO_CA_BACKUP:\?/);
      assert.ok(restore.commands.some((c) => /^kubectl apply -f "\$ISTIO_CA_BACKUP"$/.test(c)));
      assert.ok(reroot.destructive);
      assert.ok(reroot.commands.every((c) => c.startsWith('#')), 'the destructive alternative runs nothing as printed');
      assert.match(reroot.commands.join('\n'), /rollout restart deployment\/istiod -n istio-system/);
      assert.ok(x.remediation!.notes!.some((n) => /re-roots the mesh/.test(n)));
    },
  },
  {
    name: 'reports ITLS209 when a kubernetes.io/tls secret replaced istio-ca-secret (no ca-cert.pem/ca-key.pem)',
    yaml: cluster(GW, caSecret(tlsData(pki.leaf), 'kubernetes.io/tls')),
    report: ['ITLS209'],
    assert: (f) => assert.match(f[0].message, /kubernetes\.io\/tls secret was written over it/),
  },
  { name: 'reports ITLS209 when ca-key.pem does not match ca-cert.pem', yaml: cluster(GW, caSecret(pem(meshRoot, otherKey.keyPem))), report: ['ITLS209'], assert: (f) => assert.match(f[0].message, /does not match/) },
  { name: 'reports ITLS209 for an expired mesh CA', yaml: cluster(GW, caSecret(pem(expiredRoot))), report: ['ITLS209'], assert: (f) => assert.match(f[0].message, /expired/) },
  {
    name: 'reports ITLS209 as a warning when only the type is wrong',
    yaml: cluster(GW, caSecret(pem(meshRoot), 'Opaque')),
    report: ['ITLS209'],
    assert: (f) => assert.equal(f[0].severity, 'warning'),
  },
]);
