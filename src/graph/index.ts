export { stronglyConnectedComponents } from './scc.js';
export { installGroups, whyChain, type DependencyEdge, type PullReason } from './groups.js';
export { formatNix, formatList, nixString, nixStoreName, type FetchItem } from './output.js';
export { renderClosureList, renderWhy, type ClosureDocument, type ClosureDocumentPackage, type ClosureIssue, type WhyDocument, type WhyStep } from './document.js';
