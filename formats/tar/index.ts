export { readTar, type TarEntry } from './reader.js';
export { BLOCK, decodeHeader, readNumber, checksumMatches, type RawHeader } from './header.js';
export { parsePax, parsePaxTime, type PaxRecords } from './pax.js';
