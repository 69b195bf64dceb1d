using LanguageExt;
using NSubstitute;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// What the lock service asks of a held lock, and in which order. The in-memory fakes answer "what is the state
/// afterwards"; these tests answer "was the collaborator called, and in which order", which a state-based fake cannot
/// tell: removing the file after dropping the kernel lock would leave the same end state but open a window in which a
/// successor's fresh file could be deleted. NSubstitute is used only for such interaction checks (docs/adr/0009).
/// </summary>
public sealed class LockCollaboratorTests
{
    private const string LockPath = "/run/user/1000/svc/daemon.lock";
    private static readonly ProcessIdentity Self = new(4242, Some(99UL));

    private readonly ILockFiles _files = Substitute.For<ILockFiles>();
    private readonly IProcessTable _processes = Substitute.For<IProcessTable>();
    private readonly IDirectories _directories = Substitute.For<IDirectories>();
    private readonly IHeldLock _held = Substitute.For<IHeldLock>();

    public LockCollaboratorTests()
    {
        _processes.Current.Returns(Self);
        _directories.CreateAll(Arg.Any<string>()).Returns(FinSucc(unit));
        _files.TryLock(LockPath).Returns(FinSucc<LockAttempt>(new LockAttempt.Locked(_held)));
        _held.LockPath.Returns(LockPath);
        _held.Read().Returns(FinSucc(""));
        _held.Write(Arg.Any<string>()).Returns(FinSucc(unit));
        _held.Remove().Returns(FinSucc(unit));
    }

    private DaemonLockService Service => new(_files, _processes, _directories);

    [Fact]
    public void Acquiring_creates_the_parent_directory_before_locking_and_writes_this_process_into_the_locked_file()
    {
        var handle = Service.Acquire(LockPath);

        Assert.True(handle.IsSuccess);
        Received.InOrder(() =>
        {
            _directories.CreateAll("/run/user/1000/svc");
            _files.TryLock(LockPath);
            _held.Write(LockFileContent.Format(Self));
        });
        _held.DidNotReceive().Dispose();
    }

    [Fact]
    public void Releasing_removes_the_file_while_still_holding_the_kernel_lock()
    {
        var handle = Service.Acquire(LockPath).Match(h => h, e => throw new InvalidOperationException(e.Message));
        _held.Read().Returns(FinSucc(LockFileContent.Format(Self)));

        Assert.True(Service.Release(handle).IsSuccess);

        Received.InOrder(() =>
        {
            _held.Remove();
            _held.Dispose();
        });
    }

    [Fact]
    public void Releasing_a_file_that_names_another_process_keeps_it_and_only_drops_the_lock()
    {
        var handle = Service.Acquire(LockPath).Match(h => h, e => throw new InvalidOperationException(e.Message));
        _held.Read().Returns(FinSucc(LockFileContent.Format(new ProcessIdentity(777, Some(5UL)))));

        Assert.True(Service.Release(handle).IsSuccess);

        _held.DidNotReceive().Remove();
        _held.Received(1).Dispose();
    }

    [Fact]
    public void A_failed_write_drops_the_kernel_lock_at_once()
    {
        _held.Write(Arg.Any<string>()).Returns(FinFail<Unit>(LanguageExt.Common.Error.New("disk full")));

        Assert.True(Service.Acquire(LockPath).IsFailure);

        _held.Received(1).Dispose();
    }
}
