namespace GenesysFileTransfer.Commands { internal static class Placeholder { } }
