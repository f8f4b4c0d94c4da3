namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>
    /// How each <see cref="OutboxState"/> is written in the <c>state</c> column of both journal stores. The names are
    /// part of the journals' data (and of SQLite migration 4), so they never change with the enum.
    /// </summary>
    internal static class OutboxStateNames
    {
        public const string Pending = "pending";
        public const string Archived = "archived";
        public const string SourceMissing = "source_missing";
        public const string Abandoned = "abandoned";
        public const string Quarantined = "quarantined";

        public static string Of(OutboxState state)
        {
            switch (state)
            {
                case OutboxState.Archived: return Archived;
                case OutboxState.SourceMissing: return SourceMissing;
                case OutboxState.Abandoned: return Abandoned;
                case OutboxState.Quarantined: return Quarantined;
                default: return Pending;
            }
        }

        public static OutboxState Parse(string name)
        {
            switch (name)
            {
                case Archived: return OutboxState.Archived;
                case SourceMissing: return OutboxState.SourceMissing;
                case Abandoned: return OutboxState.Abandoned;
                case Quarantined: return OutboxState.Quarantined;
                default: return OutboxState.Pending;
            }
        }
    }
}
