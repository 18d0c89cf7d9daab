import { gatewayApiCheck } from '../../src/checks/gateway-api.js';
import { certManagerCheck } from '../../src/checks/cert-manager.js';
import { table } from './certs-support.js';
import { gatewayApiCases } from './cases/gateway-api.js';
import { certManagerCases } from './cases/cert-manager.js';

table(gatewayApiCheck, gatewayApiCases);
table(certManagerCheck, certManagerCases);
