using System.Text;
using AgentGym.Sandbox.Streams;

namespace AgentGym.Sandbox.Tests;

public sealed class LineSplitterTests
{
    private static List<string> Split(int max, params string[] chunks) => SplitBytes(max, chunks.Select(Encoding.UTF8.GetBytes).ToArray());

    private static List<string> SplitBytes(int max, params byte[][] chunks)
    {
        var lines = new List<string>();
        var splitter = new LineSplitter(max);
        foreach (var chunk in chunks) splitter.Push(chunk, lines.Add);
        splitter.Flush(lines.Add);
        return lines;
    }

    [Fact]
    public void Splits_on_newlines_and_keeps_the_partial_last_line_until_flush()
    {
        var lines = new List<string>();
        var splitter = new LineSplitter();
        splitter.Push("a\nb\npart"u8, lines.Add);
        Assert.Equal(["a", "b"], lines);
        splitter.Push("ial\n"u8, lines.Add);
        Assert.Equal(["a", "b", "partial"], lines);
        splitter.Push("tail"u8, lines.Add);
        splitter.Flush(lines.Add);
        Assert.Equal(["a", "b", "partial", "tail"], lines);
    }

    [Fact]
    public void Crlf_is_one_terminator_even_across_chunks_and_a_lone_cr_breaks_the_line()
    {
        Assert.Equal(["a", "b"], Split(100, "a\r\nb\r\n"));
        Assert.Equal(["a", "b"], Split(100, "a\r", "\nb"));
        Assert.Equal(["10%", "20%", "done"], Split(100, "10%\r20%\rdone\n"));
        Assert.Equal(["a", "", "b"], Split(100, "a\n\nb"));
    }

    [Fact]
    public void Multibyte_characters_split_across_chunks_are_decoded_whole()
    {
        var bytes = Encoding.UTF8.GetBytes("héllo→wörld\n");
        var lines = SplitBytes(100, bytes[..2], bytes[2..8], bytes[8..]);
        Assert.Equal(["héllo→wörld"], lines);
    }

    [Fact]
    public void Huge_lines_are_cut_into_pieces_without_inventing_empty_lines()
    {
        Assert.Equal(["abcd", "efgh", "ij"], Split(4, "abcdefghij\n"));
        Assert.Equal(["abcd", "efgh"], Split(4, "abcdefgh\n"));
        Assert.Equal(["abcd", "", "x"], Split(4, "abcd\n\nx"));
        Assert.Equal(["abcd", "efgh", "ij"], Split(4, "abc", "defg", "hij"));
    }

    [Fact]
    public void A_flood_without_newlines_never_holds_more_than_one_piece()
    {
        var splitter = new LineSplitter(1024);
        var pieces = 0;
        var chunk = Encoding.UTF8.GetBytes(new string('x', 10_000));
        for (var i = 0; i < 1000; i++) splitter.Push(chunk, l => { Assert.Equal(1024, l.Length); pieces++; });
        Assert.Equal(10_000_000 / 1024, pieces);
    }

    [Fact]
    public void Invalid_utf8_is_replaced_not_thrown()
    {
        var lines = SplitBytes(100, [0x61, 0xFF, 0x62, 0x0A]);
        Assert.Equal(["a\uFFFDb"], lines);
    }
}
