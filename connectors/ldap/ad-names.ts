// What Active Directory accepts as an account name (sAMAccountName), and the random password an
// account jml creates gets, because AD enables an account only once it has a password its policy
// accepts.
import { randomInt } from 'node:crypto';

/** The longest sAMAccountName a user object may have (the pre-Windows 2000 logon name limit). */
export const SAM_ACCOUNT_NAME_MAX = 20;

/** Characters AD refuses in a sAMAccountName; `@` too, as it would make `<name>@<suffix>` ambiguous. */
const FORBIDDEN = /["/\\[\]:;|=,+*?<>@]/;

/** Why a userName cannot be an AD account name; undefined when it can. */
export function samAccountNameProblem(userName: string): string | undefined {
  if (userName.length === 0) return 'it is empty';
  if ([...userName].length > SAM_ACCOUNT_NAME_MAX)
    return `it is longer than ${SAM_ACCOUNT_NAME_MAX} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(userName)) return 'it contains a control character';
  const forbidden = FORBIDDEN.exec(userName);
  if (forbidden) return `it contains "${forbidden[0]}"`;
  if (/^[ .]+$/.test(userName)) return 'it is only dots and spaces';
  if (userName.endsWith('.')) return 'it ends with a dot';
  return undefined;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A password nobody is told, strong enough for any domain policy: 32 random letters and digits
 * (about 190 bits) in pairs joined by commas. AD's complexity rule refuses a password that contains
 * the sAMAccountName or any three-character part of the display name; neither can contain a comma
 * (AD forbids it in sAMAccountName and splits display names at it), and no run between commas is
 * longer than two, so the rule can never refuse it. It has upper case, lower case, digits and a
 * symbol, more than the three kinds the rule asks for.
 */
export function initialPassword(): string {
  for (;;) {
    const chars = Array.from({ length: 32 }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]!);
    const text = chars.join('');
    if (/[A-Z]/.test(text) && /[a-z]/.test(text) && /[0-9]/.test(text)) {
      return chars.reduce((out, c, i) => (i > 0 && i % 2 === 0 ? `${out},${c}` : out + c), '');
    }
  }
}

/** unicodePwd's value: the password in double quotes, in UTF-16LE (MS-ADTS 3.1.1.3.1.5). */
export function unicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}
