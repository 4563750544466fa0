/** cpio magic numbers and the S_IFMT file-type bits shared by the cpio reader and writer. */
export const CPIO_NEWC_MAGIC = '070701';
export const CPIO_CRC_MAGIC = '070702';
export const CPIO_ODC_MAGIC = '070707';
export const CPIO_TRAILER = 'TRAILER!!!';
export const NEWC_HEADER_SIZE = 110;
export const ODC_HEADER_SIZE = 76;

export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
