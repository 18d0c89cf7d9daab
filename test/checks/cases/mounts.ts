import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { CLUSTER, HEALTHY, ISTIOD, docs, gateway, ingressPod, ingressService, one, type CheckCase } from '../_support.js';
import { chainPem, issueCert } from '../../../src/testing/certgen.js';

// the seed's mounted Secret: made with --from-file=fullchain.pem --from-file=privkey.pem (issue 17)
const kiali = await issueCert({ dns: ['kiali.example.com'] });
const strayKey = await issueCert({ dns: ['other.example.com'] });
const b64 = (s: string) => Buffer.from(s).toString('base64');
const seedSecret = (key: string) => `
apiVersion: v1
kind: Secret
metadata: {name: istio-ingressgateway-certs, namespace: istio-system}
type: Opaque
data: {fullchain.pem: "${b64(chainPem(kiali))}", privkey.pem: "${b64(key)}"}
`;

export const FILE_SERVER = `
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [kiali.example.com]
    tls:
      mode: SIMPLE
      serverCertificate: /etc/istio/ingressgateway-certs/tls.crt
      privateKey: /etc/istio/ingressgateway-certs/tls.key`;

const OTHER_HOST_SAME_PORT = `
  - port: {number: 443, name: https-shop, protocol: HTTPS}
    hosts: [shop.example.com]
    tls: {mode: SIMPLE, credentialName: shop-tls}`;

const MOUNTED_POD = ingressPod({
  mounts: '[{name: ingressgateway-certs, mountPath: /etc/istio/ingressgateway-certs, readOnly: true}]',
  volumes: '[{name: ingressgateway-certs, secret: {secretName: istio-ingressgateway-certs, optional: true}}]',
});

const LEGACY_SECRET = `
apiVersion: v1
kind: Secret
metadata: {name: istio-ingressgateway-certs, namespace: istio-system}
type: kubernetes.io/tls
data: {tls.crt: "", tls.key: ""}
`;

/** The commands that write a Secret (the others check the variables they read). */
const secretCommands = (commands: string[]): string[] => commands.filter((c) => c.startsWith('kubectl create secret '));

export const mountCases: CheckCase[] = [
  {
    name: "reports ITLS206 with a migration that copies the mounted Secret's fullchain.pem/privkey.pem through the cluster, asking for no file",
    yaml: docs(ISTIOD, MOUNTED_POD, ingressService(), gateway({ servers: FILE_SERVER }), seedSecret(kiali.keyPem)),
    report: ['ITLS206'],
    assert: (f) => {
      const cmds = one(f, 'ITLS206').remediation!.commands!;
      assert.equal(cmds.length, 1);
      assert.match(cmds[0], /^kubectl get secret istio-ingressgateway-certs -n istio-system -o go-template='.*tls\.crt: \{\{index \.data "fullchain\.pem"\}\}.*tls\.key: \{\{index \.data "privkey\.pem"\}\}.*' \| kubectl apply -f -$/);
      assert.doesNotMatch(cmds.join('\n'), /FULLCHAIN|_KEY\b/);
    },
  },
  {
    name: 'stays silent on copying mounted material whose key does not belong to its certificate: the migration asks for the files',
    yaml: docs(ISTIOD, MOUNTED_POD, ingressService(), gateway({ servers: FILE_SERVER }), seedSecret(strayKey.keyPem)),
    report: ['ITLS206'],
    assert: (f) => assert.doesNotMatch(one(f, 'ITLS206').remediation!.commands!.join('\n'), /go-template/),
  },
  {
    name: 'reports ITLS206 when no volumeMount of the gateway container covers the certificate path, naming the other hosts on the port',
    yaml: docs(CLUSTER, gateway({ servers: FILE_SERVER + OTHER_HOST_SAME_PORT })),
    report: ['ITLS206', 'ITLS207'],
    assert: (f) => {
      const x = one(f, 'ITLS206');
      assert.match(x.message, /no volume of container istio-proxy is mounted/);
      assert.match(x.message, /also down: shop\.example\.com/);
      assert.deepEqual(x.evidence.alsoDown, ['shop.example.com']);
    },
  },
  {
    name: 'counts a server on the targetPort (8443) as the same listener as the Service port 443 for the blast radius',
    yaml: docs(CLUSTER, gateway({ servers: FILE_SERVER }), gateway({ name: 'other', servers: OTHER_HOST_SAME_PORT.replace('number: 443', 'number: 8443') })),
    report: ['ITLS206'],
    assert: (f) => assert.deepEqual(one(f, 'ITLS206').evidence.alsoDown, ['shop.example.com']),
  },
  {
    name: 'reports ITLS206 when the mounted optional Secret does not exist (empty directory)',
    yaml: docs(ISTIOD, MOUNTED_POD, ingressService(), gateway({ servers: FILE_SERVER }), LEGACY_SECRET.replace('name: istio-ingressgateway-certs', 'name: unrelated')),
    report: ['ITLS206'],
    assert: (f) => assert.match(one(f, 'ITLS206').message, /optional: true.*does not exist/),
  },
  {
    name: 'reports ITLS206 when the mounted Secret lacks the file the Gateway names',
    yaml: docs(ISTIOD, MOUNTED_POD, ingressService(), gateway({ servers: FILE_SERVER }), LEGACY_SECRET.replace('tls.key: ""', 'key: ""')),
    report: ['ITLS206'],
    assert: (f) => assert.match(one(f, 'ITLS206').message, /has no tls\.key/),
  },
  {
    name: 'reports only ITLS207 (not ITLS206) when the mount and its Secret hold the files; the fix creates a Secret in the workload namespace and rewrites the Gateway to credentialName',
    yaml: docs(ISTIOD, MOUNTED_POD, ingressService(), gateway({ name: 'kiali-gateway', servers: FILE_SERVER }), LEGACY_SECRET),
    report: ['ITLS207'],
    silent: ['ITLS206'],
    assert: (f) => {
      const x = one(f, 'ITLS207');
      const cmds = x.remediation!.commands!;
      const [cmd, ...more] = secretCommands(cmds);
      assert.equal(more.length, 0);
      // the files only the user has are shell variables, checked before the command that reads them
      assert.match(cmd, /^kubectl create secret tls kiali-example-com-tls -n istio-system --cert="\$KIALI_EXAMPLE_COM_TLS_FULLCHAIN" --key="\$KIALI_EXAMPLE_COM_TLS_KEY" /);
      for (const v of ['KIALI_EXAMPLE_COM_TLS_FULLCHAIN', 'KIALI_EXAMPLE_COM_TLS_KEY']) {
        const check = cmds.findIndex((c) => c.startsWith(`: "\${${v}:?`));
        assert.ok(check >= 0 && check < cmds.indexOf(cmd), `${v} is checked before it is used`);
      }
      const g = parse(x.remediation!.yaml!);
      assert.equal(g.kind, 'Gateway');
      assert.equal(g.metadata.name, 'kiali-gateway');
      assert.equal(g.metadata.namespace, 'istio-system');
      assert.deepEqual(g.spec.servers[0].tls, { mode: 'SIMPLE', credentialName: 'kiali-example-com-tls' });
      assert.deepEqual(g.spec.servers[0].hosts, ['kiali.example.com']);
    },
  },
  {
    name: 'gives each distinct certificate file its own Secret, in one rewritten Gateway',
    yaml: docs(CLUSTER, gateway({ servers: FILE_SERVER + FILE_SERVER.replace('kiali.example.com', 'grafana.example.com').replace(/ingressgateway-certs/g, 'grafana-certs').replace('name: https', 'name: https-grafana') })),
    report: ['ITLS207'],
    assert: (f) => {
      const r = f.find((x) => x.code === 'ITLS207')!.remediation!;
      assert.deepEqual(secretCommands(r.commands!).map((c) => c.split(' ')[4]), ['kiali-example-com-tls', 'grafana-example-com-tls']);
      const g = parse(r.yaml!);
      assert.deepEqual(g.spec.servers.map((sv: { tls: { credentialName: string } }) => sv.tls.credentialName), ['kiali-example-com-tls', 'grafana-example-com-tls']);
    },
  },
  {
    name: 'puts the credential in the gateway pod namespace, not the Gateway namespace',
    yaml: docs(ISTIOD, ingressPod({ namespace: 'istio-ingress' }), gateway({ namespace: 'apps', servers: FILE_SERVER })),
    report: ['ITLS207'],
    assert: (f) => {
      const cmds = secretCommands(one(f, 'ITLS207').remediation!.commands!);
      assert.equal(cmds.length, 1);
      assert.match(cmds[0], / -n istio-ingress /);
      assert.doesNotMatch(cmds[0], / -n apps /);
    },
  },
  {
    name: 'stays silent on ITLS206/207 when credentialName is set next to leftover file paths (istiod ignores the files)',
    yaml: docs(CLUSTER, gateway({ servers: FILE_SERVER.replace('mode: SIMPLE', 'mode: SIMPLE\n      credentialName: kiali-tls') })),
    silent: ['ITLS206', 'ITLS207'],
  },
  {
    name: 'stays silent on ITLS206/207 for credentialName servers',
    yaml: HEALTHY,
    silent: ['ITLS206', 'ITLS207'],
  },
  {
    name: 'stays silent on ITLS206/207 for PASSTHROUGH servers with leftover file paths',
    yaml: docs(CLUSTER, gateway({ servers: FILE_SERVER.replace('mode: SIMPLE', 'mode: PASSTHROUGH') })),
    silent: ['ITLS206', 'ITLS207'],
  },
];
