// Workflow entry points registered with the worker.
export { identityWorkflow } from './identity';
