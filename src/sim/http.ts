// What the simulated API server and its exec/port-forward streams share: the request log entry, the request
// context, Kubernetes Status bodies and resource paths (server.ts and stream.ts both import it; neither imports the other's
// internals).
import type { Socket } from 'node:net';
import { type ResourceType } from './resources.js';
import { type KubeJson, type ScenarioState } from './scenario.js';

export interface LogEntry {
  /** HTTP method (exec and port-forward are GET upgrades, as kubectl and client-node send them) */
  verb: string;
  path: string;
  query: Record<string, string | string[]>;
  status: number;
  /** Kubernetes verb as RBAC sees it: get, list, watch, create, … */
  action?: string;
  /** exec: the argv run in the container */
  command?: string[];
  container?: string;
  /** port-forward: ports requested */
  ports?: number[];
  /** exec: exit code the command returned (-1: the command could not start) */
  exitCode?: number;
  /** envoy-admin: the admin path requested through a port-forward */
  adminPath?: string;
}

export interface RequestContext {
  state: ScenarioState;
  /** clock of the scenario (Envoy's days_until_expiration) */
  now: Date;
  log(entry: LogEntry): void;
  /** sockets and timers to tear down on stop */
  track(socket: Socket): void;
}

export function statusBody(code: number, reason: string, message: string, details?: Record<string, unknown>): KubeJson {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details: details ?? {}, code };
}

/** What a resource URL names. */
export interface ResourcePath {
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Parse /api/v1/... and /apis/g/v/...; 'unknown' when the group/version/resource is not served. */
export function parseResourcePath(state: ScenarioState, path: string): ResourcePath | 'unknown' | undefined {
  const parts = path.split('/').filter(Boolean);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else return undefined;
  const served = state.registry.inGroupVersion(group, version);
  if (served.length === 0) return 'unknown';
  const find = (plural: string) => served.find((t) => t.plural === plural);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && find(rest[2])?.namespaced) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const type = find(rest[0]);
  if (!type || rest.length > 3) return 'unknown';
  return { type, version, namespace, name: rest[1], subresource: rest[2] };
}
