import { routingCheck } from '../../src/checks/routing.js';
import { runTable } from './_support.js';
import { routingCases } from './cases/routing.js';

runTable(routingCheck, routingCases);
