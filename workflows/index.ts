// Workflow entry points registered with the worker.
export { identityWorkflow } from './identity';
export { terminationGuardWorkflow } from './termination-guard';
export { reconcileApplicationWorkflow, reconciliationWorkflow } from './reconciliation';
