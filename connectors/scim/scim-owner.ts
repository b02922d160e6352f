// The attribute that names a SCIM account's owner (the employee id): externalId, or an attribute of
// a schema extension written `<schema URN>:<attribute>` for servers that drop externalId.
import type { ScimResource } from './scim-listing';

export class OwnerAttribute {
  private readonly schema: string | undefined;
  private readonly attribute: string;

  constructor(readonly name: string) {
    const split = name.lastIndexOf(':');
    this.schema = split > 0 ? name.slice(0, split) : undefined;
    this.attribute = split > 0 ? name.slice(split + 1) : name;
  }

  of(user: ScimResource): string | undefined {
    const holder = this.schema ? (user[this.schema] as Record<string, unknown> | undefined) : user;
    const value = holder?.[this.attribute];
    return typeof value === 'string' && value ? value : undefined;
  }

  write(user: Record<string, unknown>, employeeId: string): Record<string, unknown> {
    if (!this.schema) return { ...user, [this.attribute]: employeeId };
    return {
      ...user,
      schemas: [...(user.schemas as string[]), this.schema],
      [this.schema]: { [this.attribute]: employeeId },
    };
  }
}
