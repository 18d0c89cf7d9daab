import { credentialAccessCheck } from '../../src/checks/credential-access.js';
import { runTable } from './_support.js';
import { credentialAccessCases } from './cases/credential-access.js';

runTable(credentialAccessCheck, credentialAccessCases);
