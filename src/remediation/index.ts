// Remediation builders: YAML documents and kubectl commands attached to findings.
export * from './common.js';
export * from './objects.js';
export * from './combine.js';
export * from './mesh-ca.js';
export * from './certificates.js';
