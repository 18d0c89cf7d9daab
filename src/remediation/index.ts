// Remediation builders: YAML documents and kubectl commands attached to findings.
export * from './common.js';
export * from './objects.js';
export * from './combine.js';
