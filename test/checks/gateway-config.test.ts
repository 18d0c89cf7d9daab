import { gatewayConfigCheck } from '../../src/checks/gateway-config.js';
import { runTable } from './_support.js';
import { gatewayConfigCases } from './cases/gateway-config.js';

runTable(gatewayConfigCheck, gatewayConfigCases);
