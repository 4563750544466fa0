export { readRpm, type RpmArchive, type RpmLead, type RpmReaderOptions } from './reader.js';
export { parseHeader, headerIntro, tagString, tagStrings, tagNumbers, type RpmHeader, type TagValue } from './header.js';
export { rpmInfo, type RpmInfo, type RpmFile, type RpmDependency, type RpmScriptlet } from './info.js';
export { TAG, RPM_TYPE, RPMSENSE, RPMFILE, DIGEST_ALGO } from './tags.js';
