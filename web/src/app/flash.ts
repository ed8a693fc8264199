/** A one-time confirmation carried to the next page (e.g. "Your appointment has been cancelled"). */
let pending: string | undefined;

export function setFlash(message: string): void {
  pending = message;
}

export function takeFlash(): string | undefined {
  const message = pending;
  pending = undefined;
  return message;
}
