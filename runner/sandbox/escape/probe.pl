# octo escape-battery probe: one attempt per run. Prints one last line "ok <detail>" when the
# attempt worked, or "denied <detail>" when it was refused. Perl because perl-base is part of every
# Debian system, inside and outside the sandbox alike.
use strict;
use warnings;
use Socket;
use IO::Handle;
STDOUT->autoflush(1);

my ($what, @args) = @ARGV;
my $arch_x86 = (`uname -m` =~ /x86_64/);
my %nr = $arch_x86 ? (ptrace => 101, mmap => 9, munmap => 11) : (ptrace => 117, mmap => 222, munmap => 215);

# The leading newline keeps the verdict on its own line even after a terminal echoed something.
sub ok { print "\nok @_\n"; exit 0 }
sub denied { print "\ndenied @_\n"; exit 1 }

if ($what eq 'read') {
  my $path = $args[0];
  if (-d $path) { opendir(my $d, $path) or denied("$!"); my @e = readdir($d); ok(scalar(@e) . " entries") }
  open(my $f, '<', $path) or denied("$!");
  my $n = read($f, my $buf, 4096);
  defined $n or denied("$!");
  ok("$n bytes");
}
if ($what eq 'write') {
  open(my $f, '>>', $args[0]) or denied("$!");
  print $f "escape\n" or denied("$!");
  close($f) or denied("$!");
  ok("wrote $args[0]");
}
if ($what eq 'connect-unix') {
  socket(my $s, AF_UNIX, SOCK_STREAM, 0) or denied("socket: $!");
  connect($s, sockaddr_un($args[0])) or denied("$!");
  ok("connected");
}
if ($what eq 'connect-tcp') {
  socket(my $s, AF_INET, SOCK_STREAM, 0) or denied("socket: $!");
  connect($s, sockaddr_in($args[1], inet_aton($args[0]))) or denied("$!");
  ok("connected");
}
if ($what eq 'signal') {
  kill(0, $args[0]) or denied("$!");
  ok("signalled $args[0]");
}
if ($what eq 'ptrace') {
  my $r = syscall($nr{ptrace}, 16, $args[0] + 0, 0, 0);    # PTRACE_ATTACH
  denied("$!") if $r == -1;
  syscall($nr{ptrace}, 17, $args[0] + 0, 0, 0);             # PTRACE_DETACH
  ok("attached");
}
if ($what eq 'tiocsti') {
  my $c = "#";
  ioctl(STDIN, 0x5412, $c) or denied("$!");
  ok("injected");
}
if ($what eq 'tioclinux') {
  my $sub = pack("C", 6);                                   # TIOCL_GETSHIFTSTATE
  ioctl(STDIN, 0x541c, $sub) and ok("reached a console");
  # Anything but EPERM means the request reached the terminal driver (a pty answers ENOTTY/EINVAL).
  $!{EPERM} ? denied("$!") : ok("reached the tty driver: $!");
}
if ($what eq 'euid') {
  my $out = `$args[0]`;
  chomp $out;
  $out eq '0' ? ok("euid 0") : denied("euid $out");
}
if ($what eq 'raw') {
  socket(my $s, AF_INET, SOCK_RAW, 1) or denied("$!");
  ok("raw socket");
}
if ($what eq 'packet') {
  socket(my $s, 17, SOCK_RAW, 0) or denied("$!");           # AF_PACKET
  ok("packet socket");
}
if ($what eq 'reserve') {
  my $len = $args[0] * 1024 * 1024;
  # PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE: address space only, no RAM used.
  my $addr = syscall($nr{mmap}, 0, $len, 3, 0x4022, -1, 0);
  denied("$!") if $addr == -1;
  syscall($nr{munmap}, $addr, $len);
  ok("reserved $args[0] MiB");
}
if ($what eq 'forks') {
  # Hold N live processes at once; report, then wait for a line on stdin before releasing them.
  my $want = $args[0];
  pipe(my $r, my $w) or denied("pipe: $!");
  my $n = 0;
  for (1 .. $want) {
    my $pid = fork();
    last unless defined $pid;
    if ($pid == 0) { close $w; my $x = <$r>; exit 0 }
    $n++;
  }
  close $r;
  print "held $n\n";
  if ($args[1] && $args[1] eq 'hold') { my $line = <STDIN> }
  close $w;
  1 while wait() != -1;
  $n == $want ? ok("held $n") : denied("held only $n of $want");
}
if ($what eq 'proxy-raw') {
  # Raw request bytes to the proxy (hex-encoded so NUL survives argv), expects "HTTP/1.1 200".
  my ($port, $hex) = @args;
  socket(my $s, AF_INET, SOCK_STREAM, 0) or denied("socket: $!");
  connect($s, sockaddr_in($port, inet_aton('127.0.0.1'))) or denied("proxy: $!");
  my $req = pack('H*', $hex);
  syswrite($s, $req);
  my $reply = '';
  while (sysread($s, my $buf, 4096)) { $reply .= $buf; last if $reply =~ /\r\n\r\n/ }
  my ($status) = $reply =~ m{^HTTP/1\.\d (\d+)};
  $status //= 'none';
  $status eq '200' ? ok("status 200") : denied("status $status");
}
if ($what eq 'syscalls') {
  # One line "sys NAME ERRNO" per "NAME:NR:ARG,ARG,..." (errno 0 when the call succeeded). The
  # caller judges: inside the sandbox each must be the filter's errno, outside it reaches the kernel.
  for my $spec (@args) {
    my ($name, $nr, $list) = split(/:/, $spec);
    my @a = map { $_ + 0 } split(/,/, $list // '');
    $! = 0;
    my $r = syscall($nr + 0, @a);
    printf("sys %s %d\n", $name, $r == -1 ? $! + 0 : 0);
  }
  ok("probed " . scalar(@args));
}
print "unknown probe $what\n";
exit 2;
