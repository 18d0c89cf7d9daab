import { mountsCheck } from '../../src/checks/mounts.js';
import { runTable } from './_support.js';
import { mountCases } from './cases/mounts.js';

runTable(mountsCheck, mountCases);
