/** Texts shared by the signed-out pages (kept free of state so pure modules can use them). */
export const ACCOUNT_DISABLED_TEXT = "Your account was disabled — contact your admin.";
