// Active Directory's userAccountControl flags (MS-ADTS 2.2.16). jml reads and writes one of them,
// ACCOUNTDISABLE, and leaves every other flag (password rules, delegation, smart card…) as it is.

/** ACCOUNTDISABLE: the account cannot sign in. */
export const ACCOUNT_DISABLE = 0x2;
/** NORMAL_ACCOUNT: an ordinary user account, the one type jml creates. */
export const NORMAL_ACCOUNT = 0x200;

/** The flags as an unsigned 32-bit number; undefined when the value is not a 32-bit integer. */
export function parseUserAccountControl(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d{1,10}$/.test(text.trim())) return undefined;
  const value = Number(text.trim());
  if (value < -(2 ** 31) || value > 2 ** 32 - 1) return undefined;
  return value >>> 0;
}

export function isDisabled(flags: number): boolean {
  return (flags & ACCOUNT_DISABLE) !== 0;
}

/** The same flags with ACCOUNTDISABLE set or cleared, every other bit kept. */
export function withDisabled(flags: number, disabled: boolean): number {
  return (disabled ? flags | ACCOUNT_DISABLE : flags & ~ACCOUNT_DISABLE) >>> 0;
}

/** As the directory takes it: the attribute's syntax is a signed 32-bit INTEGER. */
export function formatUserAccountControl(flags: number): string {
  return String(flags | 0);
}
