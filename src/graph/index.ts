export { stronglyConnectedComponents, componentIndex } from './scc.js';
