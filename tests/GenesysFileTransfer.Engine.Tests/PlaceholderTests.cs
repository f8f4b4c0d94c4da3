public class PlaceholderTests { [Xunit.Fact] public void Runs() => Xunit.Assert.Equal(2, 1 + 1); }
