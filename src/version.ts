/** The version bcsync reports (`bcsync --version`, `bcsync version --json`). */
export const VERSION = '0.1.0';
