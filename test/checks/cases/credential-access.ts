import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { CLUSTER, HTTPS_SERVER, SHOP_SECRET, docs, gateway, ingressPod, one, type CheckCase } from '../_support.js';

const SDS_ROLE = `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: istio-ingressgateway-sds, namespace: istio-system}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, watch, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: istio-ingressgateway-sds, namespace: istio-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: istio-ingressgateway-sds}
subjects: [{kind: ServiceAccount, name: istio-ingressgateway-service-account}]
`;

const UNRELATED_CLUSTER_RBAC = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: view-pods}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: view-pods}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view-pods}
subjects: [{kind: ServiceAccount, name: istio-ingressgateway-service-account, namespace: istio-system}]
`;

const GW = gateway({ servers: HTTPS_SERVER() });

export const credentialAccessCases: CheckCase[] = [
  {
    name: 'reports ITLS211 when a credential exists in only one of the namespaces whose gateway pods use it',
    yaml: docs(
      CLUSTER,
      ingressPod({ namespace: 'istio-ingress', name: 'internal-gw', labels: '{istio: internal}' }),
      gateway({ name: 'public', servers: HTTPS_SERVER() }),
      gateway({ name: 'internal', selector: '{istio: internal}', servers: HTTPS_SERVER() }),
      SHOP_SECRET('istio-system'),
    ),
    report: ['ITLS211'],
    assert: (f) => {
      const x = one(f, 'ITLS211');
      assert.equal(x.resource.name, 'internal');
      assert.deepEqual(x.evidence.missingIn, ['istio-ingress']);
      // copied through the cluster from where it exists: no file asked for
      assert.match(x.remediation!.commands![0], /^kubectl get secret shop-tls -n istio-system -o go-template=.*namespace: istio-ingress.* \| kubectl apply -f -$/);
    },
  },
  {
    name: 'stays silent on ITLS211 when every namespace has the credential',
    yaml: docs(
      CLUSTER,
      ingressPod({ namespace: 'istio-ingress', name: 'internal-gw', labels: '{istio: internal}' }),
      gateway({ name: 'public', servers: HTTPS_SERVER() }),
      gateway({ name: 'internal', selector: '{istio: internal}', servers: HTTPS_SERVER() }),
      SHOP_SECRET('istio-system'),
      SHOP_SECRET('istio-ingress'),
    ),
    silent: ['ITLS211'],
  },
  {
    name: 'reports ITLS212 when no Role lets the gateway service account list secrets, saying how it was decided',
    yaml: docs(CLUSTER, GW, SHOP_SECRET(), UNRELATED_CLUSTER_RBAC),
    report: ['ITLS212'],
    assert: (f) => {
      const x = one(f, 'ITLS212');
      assert.equal(x.severity, 'error');
      assert.match(String(x.evidence.method), /RBAC objects/);
      const [role, binding] = parseAllDocuments(x.remediation!.yaml!).map((d) => d.toJS());
      assert.equal(role.kind, 'Role');
      assert.equal(binding.subjects[0].name, 'istio-ingressgateway-service-account');
    },
  },
  {
    name: 'reports ITLS212 when the Role allows get only for named secrets (list cannot be limited by name)',
    yaml: docs(CLUSTER, GW, SHOP_SECRET(), SDS_ROLE.replace('verbs: [get, watch, list]', 'verbs: [get, list], resourceNames: [shop-tls]')),
    report: ['ITLS212'],
  },
  {
    name: 'stays silent on ITLS212 when a RoleBinding grants list secrets (the chart default)',
    yaml: docs(CLUSTER, GW, SHOP_SECRET(), SDS_ROLE, UNRELATED_CLUSTER_RBAC),
    silent: ['ITLS212'],
  },
  {
    name: 'stays silent on ITLS212 when a ClusterRoleBinding to a wildcard role grants it',
    yaml: docs(CLUSTER, GW, SHOP_SECRET(), UNRELATED_CLUSTER_RBAC.replace('resources: [pods], verbs: [get, list]', 'resources: ["*"], verbs: ["*"]')),
    silent: ['ITLS212'],
  },
  {
    name: 'stays silent on ITLS212 when RBAC objects were not read at all',
    yaml: docs(CLUSTER, GW, SHOP_SECRET()),
    silent: ['ITLS212'],
  },
  {
    name: 'stays silent on ITLS212 for gateways that use no credentialName',
    yaml: docs(CLUSTER, gateway({ servers: `
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]` }), UNRELATED_CLUSTER_RBAC),
    silent: ['ITLS212'],
  },
];
