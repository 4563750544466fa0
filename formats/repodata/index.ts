/** RPM repository metadata (repodata/): repomd.xml, primary.xml, filelists.xml, streamed. */
export { parsePrimary } from './primary.js';
export { parseFilelists } from './filelists.js';
export { parseRepomd, findData } from './repomd.js';
export { readXmlRecords, type XmlReadOptions } from './xml.js';
export * from './types.js';
