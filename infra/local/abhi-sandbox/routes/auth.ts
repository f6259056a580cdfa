import { randomBytes } from 'node:crypto';
import { base32Encode, type SandboxAuth } from '../auth';
import { SandboxHttpError, type SandboxDomain } from '../domain';
import { bad, ok, str, type AddRoute, type RequestContext } from './route-kit';

/** Sandbox routes for the /auth endpoints: logins, tokens, passwords, MFA. */
export function authRoutes(route: AddRoute, domain: SandboxDomain, auth: SandboxAuth): void {
  const meta = (ctx: RequestContext) => ({ ip: ctx.ip, userAgent: ctx.userAgent });
  route('POST', '/auth/login', async (ctx) => ok(await auth.login('third_party', ctx.body.username, ctx.body.password, meta(ctx))), false);
  route('POST', '/auth/employer-login', async (ctx) => ok(await auth.login('employer', ctx.body.username, ctx.body.password, meta(ctx))), false);
  route(
    'POST',
    '/auth/employee-login',
    async (ctx) => {
      if (!str(ctx.body.emiratesId)) throw bad('emiratesId is required');
      return ok(await auth.login('employee', ctx.body.username, ctx.body.password, { ...meta(ctx), emiratesId: ctx.body.emiratesId }));
    },
    false,
  );
  route('POST', '/auth/refresh', async (ctx) => ok(await auth.refresh(ctx.body.refreshToken, meta(ctx))), false);
  route('POST', '/auth/reset-password', (ctx) => {
    const user = [...auth.users.values()].find(
      (u) =>
        (str(ctx.body.username) && u.username === str(ctx.body.username)) ||
        (str(ctx.body.email) && u.email === str(ctx.body.email)) ||
        (str(ctx.body.emiratesId) && u.emiratesId === str(ctx.body.emiratesId)),
    );
    // Same answer whether or not the user exists (no enumeration); the token is visible in /__sandbox/state.
    if (user) auth.passwordResets.push({ token: randomBytes(16).toString('hex'), username: user.username, createdAt: domain.now, used: false });
    return ok({ message: 'If the account exists, reset instructions were sent' });
  }, false);
  route('POST', '/auth/reset-password/confirm', (ctx) => {
    const reset = auth.passwordResets.find((r) => r.token === str(ctx.body.token) && !r.used);
    if (!reset) throw bad('Invalid or used reset token');
    const newPassword = str(ctx.body.newPassword);
    if (newPassword.length < 8) throw bad('newPassword must have at least 8 characters');
    if (newPassword !== str(ctx.body.confirmPassword)) throw bad('confirmPassword must equal newPassword');
    const user = auth.users.get(reset.username)!;
    user.password = newPassword;
    user.failedAttempts = 0;
    user.locked = false;
    user.session = undefined;
    reset.used = true;
    return ok({ message: 'Password reset' });
  }, false);
  route('POST', '/auth/logout', async (ctx) => {
    const given = str(ctx.body.token);
    const target = given ? await auth.authenticate(`Bearer ${given}`) : ctx.user!;
    auth.logout(target);
    return ok({ message: 'Logged out' });
  });
  route('GET', '/auth/me', (ctx) => ok(auth.userJson(ctx.user!)));
  route('GET', '/auth/session', (ctx) => {
    const user = ctx.user!;
    const s = user.session!;
    return ok({
      user: auth.userJson(user),
      token: s.token,
      expiresAt: new Date(s.expiresAt).toISOString(),
      loginTime: new Date(s.loginTime).toISOString(),
      lastActivity: new Date(s.lastActivity).toISOString(),
      ...(s.ip ? { ipAddress: s.ip } : {}),
      ...(s.userAgent ? { userAgent: s.userAgent } : {}),
    });
  });
  route('GET', '/auth/validate', () => ok({ valid: true }));
  route('POST', '/auth/change-password', (ctx) => {
    const user = ctx.user!;
    if (str(ctx.body.currentPassword) !== user.password) throw bad('currentPassword is incorrect');
    const newPassword = str(ctx.body.newPassword);
    if (newPassword.length < 8) throw bad('newPassword must have at least 8 characters');
    if (newPassword !== str(ctx.body.confirmPassword)) throw bad('confirmPassword must equal newPassword');
    user.password = newPassword;
    return ok({ message: 'Password changed' });
  });
  route('POST', '/auth/mfa/setup', (ctx) => {
    const method = str(ctx.body.method);
    if (!['sms', 'email', 'totp'].includes(method)) throw bad('method must be one of sms, email, totp');
    const user = ctx.user!;
    const secret = base32Encode(randomBytes(20));
    const backupCodes = Array.from({ length: 8 }, () => randomBytes(4).toString('hex'));
    user.mfa = { enabled: false, method, secret, backupCodes };
    return ok({
      ...(method === 'totp' ? { secret, qrCode: `otpauth://totp/Abhi%20Sandbox:${encodeURIComponent(user.username)}?secret=${secret}&issuer=Abhi%20Sandbox` } : {}),
      backupCodes,
      method,
      isEnabled: false,
    });
  });
  route('POST', '/auth/mfa/verify', (ctx) => {
    const user = ctx.user!;
    if (!user.mfa.method) throw bad('MFA is not set up');
    if (str(ctx.body.token) !== user.session?.token) throw new SandboxHttpError(401, 'Unauthorized', 'token does not belong to this session');
    const code = str(ctx.body.code);
    const backup = user.mfa.backupCodes.indexOf(code);
    const valid = backup >= 0 || (user.mfa.method === 'totp' && user.mfa.secret !== undefined && auth.verifyTotp(user.mfa.secret, code));
    if (!valid) throw new SandboxHttpError(401, 'Invalid MFA code', 'The code is wrong or expired');
    if (backup >= 0) user.mfa.backupCodes.splice(backup, 1);
    user.mfa.enabled = true;
    return ok(auth.authResponse(user));
  });
  route('POST', '/auth/mfa/disable', (ctx) => {
    ctx.user!.mfa = { enabled: false, backupCodes: [] };
    return ok({ message: 'MFA disabled' });
  });
  route('GET', '/auth/mfa/status', (ctx) => ok({ method: ctx.user!.mfa.method ?? '', isEnabled: ctx.user!.mfa.enabled }));
}
