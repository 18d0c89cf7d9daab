import { workloadsCheck } from '../../src/checks/workloads.js';
import { runTable } from './_support.js';
import { workloadCases } from './cases/workloads.js';

runTable(workloadsCheck, workloadCases);
