namespace AgentGym.Core.Scoring;

/// <summary>
/// How much of a run's wall time may stay outside its reported train_time, measured on the starting record in the same
/// pair: the start's fixed untimed part (process start, imports, data loading, warm-up, export) plus its host time per
/// validation times the run's own number of validations, never more than the start's whole validation time. A run that
/// validates less than the start cannot spend the difference on hidden training, and extra val lines buy nothing.
/// </summary>
/// <param name="FixedMs">The start's untimed part less its validation intervals (ms).</param>
/// <param name="ValidationMs">The start's host time over its validation intervals (ms).</param>
/// <param name="Validations">The start's number of validations (val lines after its first timed line).</param>
internal sealed record UntimedAllowance(double FixedMs, double ValidationMs, int Validations)
{
    /// <summary>The starting record's allowance; null when its run failed or gave no timing.</summary>
    public static UntimedAllowance? Of(RoleRun start) =>
        start.Succeeded && start.Timing is { } t && start.UntimedMs is { } untimed
            ? new UntimedAllowance(Math.Max(0, untimed - t.HostValidationMs), t.HostValidationMs, t.Validations)
            : null;

    /// <summary>The allowance for a run with this timing (ms), before the task's time tolerance.</summary>
    public double For(RunTiming run) =>
        FixedMs + (Validations == 0 ? 0 : Math.Min(ValidationMs, ValidationMs / Validations * run.Validations));
}
