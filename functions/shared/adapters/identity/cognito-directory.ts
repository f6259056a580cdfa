import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  UsernameExistsException,
  UserNotFoundException,
  type AttributeType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { DirectoryUser, IdentityDirectory } from '#shared/use-cases/identity/provisioning';

/**
 * Cognito's admin API on the platform's user pool (infra/constructs/user-pool.ts): the pool signs in by e-mail, so the
 * e-mail is the username; groups are the platform roles; `custom:organization_id` / `custom:employee_id` are the
 * attributes only administrators write. Cognito e-mails a new user a temporary password; TOTP is required at login.
 */
export class CognitoDirectory implements IdentityDirectory {
  constructor(
    private readonly userPoolId: string,
    private readonly client: CognitoIdentityProviderClient = new CognitoIdentityProviderClient({}),
  ) {}

  async createOrUpdateUser(user: DirectoryUser): Promise<void> {
    const attributes: AttributeType[] = [
      { Name: 'email', Value: user.email },
      { Name: 'email_verified', Value: 'true' },
      ...(user.firstName ? [{ Name: 'given_name', Value: user.firstName }] : []),
      ...(user.lastName ? [{ Name: 'family_name', Value: user.lastName }] : []),
      { Name: 'custom:organization_id', Value: user.organizationId },
      ...(user.employeeId ? [{ Name: 'custom:employee_id', Value: user.employeeId }] : []),
    ];
    const target = { UserPoolId: this.userPoolId, Username: user.email };
    try {
      await this.client.send(new AdminCreateUserCommand({ ...target, UserAttributes: attributes, DesiredDeliveryMediums: ['EMAIL'] }));
    } catch (error) {
      if (!(error instanceof UsernameExistsException)) throw error;
      // Created before (a redelivery, or a returning employee): bring it up to date and let it sign in again.
      await this.client.send(new AdminUpdateUserAttributesCommand({ ...target, UserAttributes: attributes.filter((a) => a.Name !== 'email_verified') }));
      await this.client.send(new AdminEnableUserCommand(target));
    }
    // Adding a member twice is accepted by Cognito.
    for (const role of user.roles) await this.client.send(new AdminAddUserToGroupCommand({ ...target, GroupName: role }));
  }

  async disableUser(email: string): Promise<void> {
    try {
      await this.client.send(new AdminDisableUserCommand({ UserPoolId: this.userPoolId, Username: email }));
    } catch (error) {
      if (!(error instanceof UserNotFoundException)) throw error;
    }
  }
}
