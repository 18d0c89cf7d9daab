// What the doctor could not see is unknown: every check that concludes from absence ("no VirtualService
// serves it", "the Secret does not exist", "no pod matches") must stay silent where that kind was not
// readable, and must still report where it was. Snapshots here are live ones with RBAC-shaped holes:
// a kind unread, or read only in some namespaces (the per-namespace fallback).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildInventory } from '../../src/status/rows.js';
import { runChecks } from '../../src/checks/run.js';
import type { Finding } from '../../src/findings/types.js';
import { hostBlindness, unknownHosts } from '../../src/model/visibility.js';
import type { Snapshot, SnapshotKind } from '../../src/snapshot/types.js';
import { snapshotFromYaml } from '../helpers/snapshot.js';
import { CLUSTER, HEALTHY, HTTPS_SERVER, ISTIOD, OPTIONS, SHOP_BACKEND, SHOP_SECRET, docs, gateway, ingressPod, ingressService, virtualService } from './_support.js';

const KINDS: SnapshotKind[] = ['pods', 'services', 'secrets', 'configMaps', 'gateways', 'virtualServices', 'destinationRules', 'peerAuthentications', 'roles', 'roleBindings', 'clusterRoles', 'clusterRoleBindings'];

type Access = Partial<Record<SnapshotKind, 'none' | string[]>>;

/** A live snapshot of `yaml` as a user with `access` would have read it. */
function seenAs(yaml: string, access: Access = {}): Snapshot {
  const s = snapshotFromYaml(yaml);
  s.source = { kind: 'live', context: 'test' };
  for (const k of KINDS) s.read[k] = true;
  for (const [kind, a] of Object.entries(access) as [SnapshotKind, 'none' | string[]][]) {
    const objects = s[kind] as { metadata: { namespace?: string } }[];
    if (a === 'none') {
      delete s.read[kind];
      (s[kind] as unknown[]) = [];
      s.unreadable.push({ resource: kind, verb: 'list', status: 403, reason: 'forbidden' });
    } else {
      (s.readNamespaces ??= {})[kind] = a;
      (s[kind] as unknown[]) = objects.filter((o) => a.includes(o.metadata.namespace ?? ''));
      s.unreadable.push({ resource: kind, verb: 'list', status: 403, reason: 'forbidden' });
    }
  }
  return s;
}

function run(s: Snapshot, namespace?: string): { findings: Finding[]; codes: string[]; hosts: ReturnType<typeof buildInventory> } {
  const { findings, model } = runChecks(s, { ...OPTIONS, namespace });
  const hosts = buildInventory(model, findings, { now: OPTIONS.now, trustStore: OPTIONS.trustStore });
  return { findings, codes: findings.map((f) => f.code), hosts };
}

const NO_VS = docs(CLUSTER, gateway({ servers: HTTPS_SERVER() }), SHOP_BACKEND, SHOP_SECRET());
const NO_SERVICE = docs(CLUSTER, gateway({ servers: HTTPS_SERVER() }), virtualService({}), SHOP_SECRET());
const NO_SECRET = docs(CLUSTER, gateway({ servers: HTTPS_SERVER() }), virtualService({}), SHOP_BACKEND);
const NO_GATEWAY_POD = docs(ISTIOD, ingressService(), gateway({ servers: HTTPS_SERVER() }), virtualService({}), SHOP_BACKEND, SHOP_SECRET());
const VS_TO_MISSING_GATEWAY = docs(CLUSTER, virtualService({ gateways: '[istio-system/nowhere]' }), SHOP_BACKEND);

// [name, yaml, access, code, -n]: the code must be reported with full access AND with `access` (it was readable)
const mustReport: [string, string, Access, string, string?][] = [
  ['ITLS503: VirtualServices readable everywhere, none binds the host', NO_VS, {}, 'ITLS503'],
  ['ITLS503: a host restricted to shop/, VirtualServices readable in shop', docs(CLUSTER, gateway({ servers: HTTPS_SERVER('shop/shop.example.com') }), SHOP_BACKEND, SHOP_SECRET()), { virtualServices: ['shop'] }, 'ITLS503'],
  ['ITLS504: Services readable in shop, the routed Service missing there', NO_SERVICE, { services: ['shop', 'istio-system'] }, 'ITLS504'],
  ['ITLS201: secrets read in istio-system (fallback), the credential missing there', NO_SECRET, { secrets: ['istio-system'] }, 'ITLS201'],
  ['ITLS101: pods readable everywhere, none matches', NO_GATEWAY_POD, {}, 'ITLS101'],
  ['ITLS501: Gateways readable in istio-system, the named one missing there', VS_TO_MISSING_GATEWAY, { gateways: ['istio-system'] }, 'ITLS501'],
];
// [name, yaml, access, code]: the code is reported with full access, and must not be with `access`
const mustStaySilent: [string, string, Access, string][] = [
  ['ITLS503 when VirtualServices were read only in istio-system (the one-namespace user)', HEALTHY, { virtualServices: ['istio-system'] }, 'ITLS503'],
  ['ITLS503 when VirtualServices were not read at all', HEALTHY, { virtualServices: 'none' }, 'ITLS503'],
  ['ITLS504 when Services of the destination namespace were unread', NO_SERVICE, { services: ['istio-system'] }, 'ITLS504'],
  ['ITLS201 when secrets were unreadable', NO_SECRET, { secrets: 'none' }, 'ITLS201'],
  ['ITLS201 when secrets were read only elsewhere', NO_SECRET, { secrets: ['shop'] }, 'ITLS201'],
  ['ITLS101 when pods were read only in some namespaces', NO_GATEWAY_POD, { pods: ['shop'] }, 'ITLS101'],
  ['ITLS103 when pods were read only where istiod is not', docs(ingressPod(), ingressService(), gateway({ servers: HTTPS_SERVER() }), virtualService({}), SHOP_BACKEND, SHOP_SECRET()), { pods: ['shop'] }, 'ITLS103'],
  ['ITLS501 when Gateways of the named namespace were unread', VS_TO_MISSING_GATEWAY, { gateways: ['shop'] }, 'ITLS501'],
];

describe('checks that conclude from absence respect what was readable', () => {
  for (const [name, yaml, access, code, ns] of mustReport) {
    it(`reports ${name}`, () => {
      assert.ok(run(seenAs(yaml), ns).codes.includes(code), `${code} with full access`);
      assert.ok(run(seenAs(yaml, access), ns).codes.includes(code), `${code} with ${JSON.stringify(access)}: ${run(seenAs(yaml, access), ns).codes.join(', ')}`);
    });
  }
  for (const [name, yaml, access, code] of mustStaySilent) {
    it(`stays silent on ${name}`, () => {
      // the same objects with every LIST allowed: the case is real (except where the data is truly absent)
      if (!(code === 'ITLS503' && yaml === HEALTHY)) assert.ok(run(seenAs(yaml)).codes.includes(code), `${code} with full access`);
      const r = run(seenAs(yaml, access));
      const hit = r.findings.find((f) => f.code === code);
      assert.equal(hit, undefined, `no ${code}: ${hit?.message}`);
    });
  }
});

describe('hosts whose verdict depends on the unseen are unknown', () => {
  it('the one-namespace user: shop.example.com is unknown, with the reason, and listed by ITLS901', () => {
    const r = run(seenAs(HEALTHY, { virtualServices: ['istio-system'] }));
    const row = r.hosts.find((h) => h.host === 'shop.example.com' && h.port === 443)!;
    // the fixture's credential is an empty placeholder (ITLS202, an error seen): otherwise unknown, never ok
    const seenError = r.findings.some((f) => f.severity === 'error' && f.host === 'shop.example.com');
    assert.equal(row.overall, seenError ? 'error' : 'unknown');
    assert.ok(row.unknown?.some((u) => /whether a VirtualService routes this host/.test(u)));
    const f = r.findings.find((x) => x.code === 'ITLS901')!;
    assert.deepEqual(f.places?.map((p) => p.host), ['shop.example.com']);
  });

  it('unreadable secrets: "(unreadable)", never "(missing)"', () => {
    const r = run(seenAs(NO_SECRET, { secrets: 'none' }));
    const row = r.hosts.find((h) => h.port === 443)!;
    assert.equal(row.credential, 'secret istio-system/shop-tls (unreadable)');
    assert.equal(row.overall, 'unknown');
    const full = run(seenAs(NO_SECRET));
    assert.equal(full.hosts.find((h) => h.port === 443)!.credential, 'secret istio-system/shop-tls (missing)');
  });

  it('an error that was seen stays an error', () => {
    // the credential is missing where secrets were readable: a fact, whatever else was unread
    const r = run(seenAs(NO_SECRET, { secrets: ['istio-system'], virtualServices: 'none' }));
    assert.equal(r.hosts.find((h) => h.port === 443)!.overall, 'error');
  });

  it('full access: no host is unknown, and the visibility pass costs nothing', () => {
    const r = run(seenAs(HEALTHY));
    assert.ok(r.hosts.every((h) => h.overall !== 'unknown' && h.unknown === undefined));
    const { model } = runChecks(seenAs(HEALTHY), OPTIONS);
    assert.deepEqual(unknownHosts(model), []);
    const gm = model.gateways[0];
    assert.deepEqual(hostBlindness(model, gm, gm.servers[0], gm.servers[0].hosts[0]), []);
  });

  it('offline files are the whole cluster: never unknown', () => {
    const s = snapshotFromYaml(NO_VS);
    const { model } = runChecks(s, OPTIONS);
    assert.deepEqual(unknownHosts(model), []);
  });
});
