// ITLS409 (IST0106): a Gateway without servers. Table cases: must report, must stay silent.
import assert from 'node:assert/strict';
import { gatewayServersCheck } from '../../src/checks/gateway-servers.js';
import { one, runTable, type CheckCase } from './_support.js';

const gateway = (spec: string) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop-gateway-b, namespace: shop}
spec:
${spec}
`;

const cases: CheckCase[] = [
  {
    name: 'reports ITLS409 when servers is an empty list (what the old ITLS403 fix wrote)',
    yaml: gateway('  selector: {istio: ingressgateway}\n  servers: []'),
    report: ['ITLS409'],
    assert: (fs) => {
      const f = one(fs, 'ITLS409');
      assert.equal(f.resource.name, 'shop-gateway-b');
      assert.deepEqual(f.remediation?.commands?.filter((c) => !c.startsWith(':')), ['kubectl delete gateways.networking.istio.io shop-gateway-b -n shop --ignore-not-found']);
    },
  },
  { name: 'reports ITLS409 when servers is missing', yaml: gateway('  selector: {istio: ingressgateway}'), report: ['ITLS409'] },
  {
    name: 'stays silent on a Gateway with one server',
    yaml: gateway('  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]'),
    silent: ['ITLS409'],
  },
  { name: 'stays silent when there is no Gateway at all', yaml: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n', silent: ['ITLS409'] },
  {
    name: 'stays silent on an empty Gateway outside -n',
    yaml: gateway('  selector: {istio: ingressgateway}\n  servers: []'),
    namespace: 'istio-system',
    silent: ['ITLS409'],
  },
];

runTable(gatewayServersCheck, cases);
