using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Transfers;
using Xunit;
using static GenesysFileTransfer.Engine.Tests.Journal.JournalTestData;

namespace GenesysFileTransfer.Engine.Tests.Core;

/// <summary>A transfer's view follows the journal forward and never back to a row read before it moved on.</summary>
public class TransferViewTests
{
    [Fact]
    public void A_row_older_than_the_view_leaves_the_view_as_it_is_and_a_newer_one_moves_it_on()
    {
        JournalTransfer uploaded = Transfer("a.pdf", "Uploaded", T0);
        uploaded.Version = 3;
        JournalTransfer older = Copy(uploaded);
        older.Version = 2;
        older.Status = "Created";
        JournalTransfer newer = Copy(uploaded);
        newer.Version = 4;
        newer.Status = "Valid";
        FileTransfer view = FileTransfer.FromJournal(uploaded, new[] { Entry("uploaded") }, "journal.db");

        // Another thread found the transfer by its key with the row it read at version 2.
        view.Refresh(older, new[] { Entry("created") }, "journal.db");

        Assert.Equal(3, view.Version);
        Assert.Equal(TransferStatus.Uploaded, view.Status);
        Assert.Equal(3, view.RecordCopy()!.Version);

        view.Refresh(newer, new[] { Entry("uploaded"), Entry("valid") }, "journal.db");

        Assert.Equal(4, view.Version);
        Assert.Equal(TransferStatus.Valid, view.Status);
    }
}
