// The Matched Values control (RFC 3876): the server returns, of each attribute, only the values that
// match the control's filters. A search of the groups that hold any of a page's accounts then comes
// back with just those accounts as each group's members, not its whole member list.
import { BerWriter, Control, type Filter } from 'ldapts';

const MATCHED_VALUES_CONTROL = '1.2.826.0.1.3344810.2.3';

export class MatchedValuesControl extends Control {
  constructor(private readonly filters: Filter[]) {
    // Critical: a server that does not know it must refuse the search, not answer every member.
    super(MATCHED_VALUES_CONTROL, { critical: true });
  }

  protected override writeControl(writer: BerWriter): void {
    // ValuesReturnFilter ::= SEQUENCE OF SimpleFilterItem (an equality match is written as in a filter).
    const value = new BerWriter();
    value.startSequence();
    for (const filter of this.filters) filter.write(value);
    value.endSequence();
    writer.writeBuffer(value.buffer, 0x04);
  }
}
