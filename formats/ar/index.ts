export { readAr, AR_MAGIC, type ArMember, type ArReaderOptions } from './reader.js';
export { writeAr, type ArWriteMember } from './writer.js';
