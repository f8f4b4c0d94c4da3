namespace GenesysFileTransfer.Engine { internal static class Placeholder { } }
