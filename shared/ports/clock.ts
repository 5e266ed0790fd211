/** The current time: the system clock in Lambda, a fixed or stepped one in tests. */
export type Clock = () => Date;
