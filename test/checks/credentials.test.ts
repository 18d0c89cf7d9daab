import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { credentialsCheck } from '../../src/checks/credentials.js';
import { chainPem, issueCert } from '../../src/testing/certgen.js';
import { b64, cluster, gateway, httpsServer, pki, table, tlsData, tlsSecret } from './certs-support.js';
import { ingressPod } from './_support.js';

const other = await issueCert({ dns: ['other.example.com'] });
const GW = gateway({ servers: httpsServer(['shop.example.com']) });
const MUTUAL_GW = gateway({ servers: httpsServer(['shop.example.com'], 'shop-tls', 'MUTUAL') });

table(credentialsCheck, [
  {
    name: 'stays silent on a healthy kubernetes.io/tls secret in the gateway namespace',
    yaml: cluster(GW, tlsSecret({ data: tlsData(pki.leaf) })),
    silent: ['ITLS201', 'ITLS202', 'ITLS203', 'ITLS204', 'ITLS205'],
  },
  {
    name: 'stays silent on an Opaque secret with cert/key (type is ignored, as Istio does)',
    yaml: cluster(GW, tlsSecret({ type: 'Opaque', data: { cert: b64(pki.leaf.certPem), key: b64(pki.leaf.keyPem) } })),
    silent: ['ITLS201', 'ITLS202', 'ITLS203'],
  },
  {
    name: 'reports ITLS201 when the secret is only in the Gateway namespace, not the gateway pods namespace',
    yaml: cluster(gateway({ namespace: 'shop', servers: httpsServer(['shop.example.com']) }), tlsSecret({ namespace: 'shop', data: tlsData(pki.leaf) })),
    report: ['ITLS201'],
    assert: (f) => {
      const x = f.find((y) => y.code === 'ITLS201')!;
      assert.match(x.message, /istio-system\/shop-tls/);
      assert.match(x.message, /exists in shop/);
      assert.deepEqual(x.evidence.existsIn, ['shop']);
      // copied from where it exists, through the cluster (nothing written to disk, no user file asked for)
      assert.match(x.remediation!.commands!.join('\n'), /kubectl get secret shop-tls -n shop -o go-template=.*namespace: istio-system.* \| kubectl apply -f -/);
      assert.equal(x.host, 'shop.example.com');
    },
  },
  {
    name: 'resolves kubernetes:// prefixed credential names',
    yaml: cluster(gateway({ servers: httpsServer(['shop.example.com'], 'kubernetes://shop-tls') }), tlsSecret({ data: tlsData(pki.leaf) })),
    silent: ['ITLS201', 'ITLS202'],
  },
  {
    name: 'reports ITLS202 when the values are base64-encoded twice',
    yaml: cluster(GW, tlsSecret({ data: { 'tls.crt': b64(b64(pki.leaf.certPem)), 'tls.key': b64(pki.leaf.keyPem) } })),
    report: ['ITLS202'],
    assert: (f) => assert.match(f.find((x) => x.code === 'ITLS202')!.message, /encoded twice/),
  },
  {
    name: 'reports one ITLS202 (not one per key) when both values are base64-encoded twice, fixed by decoding each once through the cluster with no file asked for',
    yaml: cluster(GW, tlsSecret({ data: { 'tls.crt': b64(b64(pki.leaf.certPem)), 'tls.key': b64(b64(pki.leaf.keyPem)) } })),
    report: ['ITLS202'],
    assert: (f) => {
      const x = f.filter((y) => y.code === 'ITLS202');
      assert.equal(x.length, 1, 'one secret, one cause: one finding');
      // one sentence names both keys, not the same sentence twice
      assert.match(x[0].message, /tls\.crt and tls\.key are base64-encoded twice/);
      assert.equal(x[0].message.match(/base64-encoded twice/g)!.length, 1);
      const cmds = x[0].remediation!.commands!.join('\n');
      assert.match(cmds, /kubectl patch secret shop-tls -n istio-system --type=merge -p "\{\\"data\\":\{\\"tls\.crt\\":\\"\$\(kubectl get secret shop-tls -n istio-system -o go-template=/);
      assert.match(cmds, /\\"tls\.key\\":\\"\$\(kubectl get secret shop-tls/);
      assert.doesNotMatch(cmds, /FULLCHAIN|_KEY\b/, 'the cluster holds the material: no file is asked for');
    },
  },
  {
    name: 'stays silent on decoding once when a value is not encoded twice (an empty key is rewritten from files)',
    yaml: cluster(GW, tlsSecret({ data: { 'tls.crt': b64(b64(pki.leaf.certPem)), 'tls.key': '' } })),
    report: ['ITLS202'],
    assert: (f) => assert.doesNotMatch(f.find((y) => y.code === 'ITLS202')!.remediation!.commands!.join('\n'), /go-template/),
  },
  {
    name: 'reports ITLS202 with the keys found when neither pair is present',
    yaml: cluster(GW, tlsSecret({ type: 'Opaque', data: { 'certificate.pem': b64(pki.leaf.certPem), 'private.pem': b64(pki.leaf.keyPem) } })),
    report: ['ITLS202'],
    assert: (f) => assert.match(f[0].message, /found: certificate\.pem, private\.pem/),
  },
  {
    name: 'reports ITLS203 when the key belongs to another certificate',
    yaml: cluster(GW, tlsSecret({ data: { 'tls.crt': b64(pki.leaf.certPem), 'tls.key': b64(other.keyPem) } })),
    report: ['ITLS203'],
    silent: ['ITLS202'],
  },
  {
    name: 'reports ITLS204 for an encrypted private key',
    yaml: cluster(GW, tlsSecret({ data: { 'tls.crt': b64(pki.leaf.certPem), 'tls.key': b64(createPrivateKey(pki.leaf.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string) } })),
    report: ['ITLS204'],
    silent: ['ITLS203'],
    // decided on the issue's typed cause (encrypted-key), not on the words of the TLS engine
    assert: (f) => assert.match(f.find((y) => y.code === 'ITLS204')!.remediation!.summary, /unencrypted/),
  },
  {
    name: 'reports ITLS203 with a copy of the same Secret from another namespace as the fix, when that copy is a valid pair for the host',
    yaml: cluster(GW, tlsSecret({ data: { 'tls.crt': b64(chainPem(pki.leaf)), 'tls.key': b64(other.keyPem) } }), tlsSecret({ namespace: 'shop', data: tlsData(pki.leaf) })),
    report: ['ITLS203'],
    assert: (f) => {
      const cmds = f.find((y) => y.code === 'ITLS203')!.remediation!.commands!.join('\n');
      assert.match(cmds, /kubectl get secret shop-tls -n shop -o go-template=.*namespace: istio-system.* \| kubectl apply -f -/);
      assert.doesNotMatch(cmds, /FULLCHAIN/);
    },
  },
  {
    name: 'stays silent on copying a same-named Secret that has the problem too',
    yaml: cluster(GW, tlsSecret({ data: { 'tls.crt': b64(chainPem(pki.leaf)), 'tls.key': b64(other.keyPem) } }), tlsSecret({ namespace: 'shop', data: { 'tls.crt': b64(chainPem(pki.leaf)), 'tls.key': b64(other.keyPem) } })),
    report: ['ITLS203'],
    assert: (f) => assert.doesNotMatch(f.find((y) => y.code === 'ITLS203')!.remediation!.commands!.join('\n'), /-n shop/),
  },
  {
    name: 'reports ITLS205 for MUTUAL without any CA bundle',
    yaml: cluster(MUTUAL_GW, tlsSecret({ data: tlsData(pki.leaf) })),
    report: ['ITLS205'],
    assert: (f) => assert.match(f[0].remediation!.commands![0], /shop-tls-cacert/),
  },
  {
    name: 'stays silent on MUTUAL with a <name>-cacert secret',
    yaml: cluster(MUTUAL_GW, tlsSecret({ data: tlsData(pki.leaf) }), tlsSecret({ name: 'shop-tls-cacert', type: 'Opaque', data: { 'ca.crt': b64(pki.root.certPem) } })),
    silent: ['ITLS205'],
  },
  {
    name: 'stays silent on a missing CA bundle for SIMPLE TLS',
    yaml: cluster(GW, tlsSecret({ data: { ...tlsData(pki.leaf), 'ca.crt': '' } })),
    silent: ['ITLS205'],
  },
  {
    name: 'reports ITLS201 once per host and per gateway namespace copy that is missing',
    yaml: cluster(
      ingressPod({ namespace: 'istio-ingress', name: 'gw2' }),
      gateway({ servers: httpsServer(['a.example.com', 'b.example.com']) }),
      tlsSecret({ data: tlsData(pki.leaf) }),
    ),
    report: ['ITLS201'],
    assert: (f) => {
      const hits = f.filter((x) => x.code === 'ITLS201');
      assert.deepEqual(hits.map((x) => x.host).sort(), ['a.example.com', 'b.example.com']);
      assert.ok(hits.every((x) => x.evidence.workloadNamespace === 'istio-ingress'));
    },
  },
]);
