using AgentGym.Core.Runs;

namespace AgentGym.Core.Tests;

public sealed class SpeedrunLogParserTests
{
    [Fact]
    public void Parses_a_val_line()
    {
        var e = SpeedrunLogParser.TryParse("step:1390/1390 val_loss:3.2775 train_time:79532ms step_avg:57.22ms", 12.5)!;
        Assert.Equal(1390, e.Step);
        Assert.Equal(1390, e.TotalSteps);
        Assert.Equal(3.2775, e.ValLoss);
        Assert.Null(e.TrainLoss);
        Assert.Equal(79532, e.TrainTimeMs);
        Assert.Equal(57.22, e.StepAvgMs);
        Assert.Equal(12.5, e.HostMs);
    }

    [Fact]
    public void Parses_a_train_line()
    {
        var e = SpeedrunLogParser.TryParse("step:12/1390 train_loss:7.1234 train_time:812ms step_avg:67.66ms", 0)!;
        Assert.Equal(12, e.Step);
        Assert.Equal(7.1234, e.TrainLoss);
        Assert.Null(e.ValLoss);
        Assert.Equal(812, e.TrainTimeMs);
    }

    [Theory]
    [InlineData("loading data...")]
    [InlineData("step:abc train_loss:1")]
    [InlineData("step:3/10 nothing here")]
    [InlineData("the val_loss:1.0 at step:3")]
    public void Other_lines_are_not_metrics(string line) => Assert.Null(SpeedrunLogParser.TryParse(line, 0));

    [Fact]
    public void Accepts_nan_and_exponents()
    {
        var nan = SpeedrunLogParser.TryParse("step:5/10 train_loss:nan train_time:10ms step_avg:2ms", 0)!;
        Assert.Null(nan.TrainLoss);
        Assert.Equal("nan", nan.NonFinite![MetricEvent.TrainLossField]);
        Assert.Equal(1.5e-3, SpeedrunLogParser.TryParse("step:5 val_loss:1.5e-3 train_time:10ms", 0)!.ValLoss);
    }
}
