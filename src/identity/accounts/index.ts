/** Accounts: enrolment, lookup, status changes, the service desk and `pathways user add`. */
export { accountAgent } from './audit-agent.js';
export { generatePassword, hashPassword, verifyPassword } from './password.js';
export {
  type AccountSummary,
  type ServiceDeskOptions,
  serviceDeskRoutes,
  summarise,
} from './service-desk-routes.js';
export { reactivateAccount, suspendAccount, unlockAccount } from './status.js';
export {
  type Account,
  type AccountStatus,
  type CreatedAccount,
  createAccount,
  findAccount,
  findAccounts,
  getAccount,
  type NewAccount,
} from './store.js';
export { currentTotp, generateTotpSecret } from './totp.js';
export { runUserAdd, USER_ADD_USAGE } from './user-add.js';
