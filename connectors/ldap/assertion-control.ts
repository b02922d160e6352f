// The LDAP Assertion control (RFC 4528): the server applies a change only if the target entry
// matches a filter, in the same operation. jml asserts the owner attribute, so a change addressed by
// a recorded DN can never land on an entry that has since become someone else's; the server answers
// assertionFailed (122) instead, and nothing was changed.
import { BerWriter, Control, EqualityFilter, type Filter } from 'ldapts';
import { resultCode } from './result-codes';

const ASSERTION_CONTROL = '1.3.6.1.1.12';
const ASSERTION_FAILED = 122;

export class AssertionControl extends Control {
  constructor(private readonly filter: Filter) {
    // Critical: a server that does not know the control must refuse the change, not make it unguarded.
    super(ASSERTION_CONTROL, { critical: true });
  }

  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    this.filter.write(value);
    writer.writeBuffer(value.buffer, 0x04);
  }
}

/** A change that applies only to an entry whose `attribute` holds `value`. */
export function onlyIf(attribute: string, value: string): AssertionControl {
  return new AssertionControl(new EqualityFilter({ attribute, value }));
}

/** The server refused the change because the entry did not match the assertion. */
export function isAssertionFailed(error: unknown): boolean {
  return resultCode(error) === ASSERTION_FAILED;
}
