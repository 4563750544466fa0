export { parseDeb822, parseDeb822Batches, parseDeb822Text, field, type Deb822Stanza, type Deb822Options } from './parse.js';
export { parseRelease, type Release, type ReleaseEntry } from './release.js';
