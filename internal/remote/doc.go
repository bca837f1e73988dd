// Package remote is what the code that works on hosts needs of a
// connection, and no more: the small interfaces a connected host offers
// (Runner, SFTPOpener, Conn), how a remote command fails (*ExitError) and
// the sentinel of a connection that died (ErrConnectionLost).
//
// It exists so the dependency points one way. orchestrator/host implements
// these interfaces over SSH (its ExitError and ErrConnectionLost are these,
// under their old names). bootstrap, which delivers and runs the agent,
// takes them and never imports the SSH client back; orchestrator/phase
// holds a Conn per host. Both therefore take fakes in unit tests, without
// root or sshd (see remotetest).
//
// This package imports nothing of ck8sctl (a test keeps it so). The agent
// must not import it: pkg/sftp, whose client SFTPOpener returns, is an
// orchestrator-only dependency.
package remote
