export { parseDeb822, parseDeb822Batches, parseDeb822Text, field, type Deb822Stanza, type Deb822Options } from './parse.js';
