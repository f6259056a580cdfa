/** An error the Step Functions API answers with (`__type` and status), e.g. TaskTimedOut for a closed token. */
export class SfnError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** An error as Lambda reports it: `name` is the errorType, the message the JSON Step Functions puts into Cause. */
export class LambdaFunctionError extends Error {
  constructor(errorType: string, errorMessage: string) {
    super(JSON.stringify({ errorType, errorMessage, trace: [] }));
    this.name = errorType;
  }
}

/** What SendTaskFailure puts into the task's error. */
export class TaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}
