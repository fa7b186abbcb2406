#!/usr/bin/perl
# Seeds Request Tracker for ent-support's tests, through RT's Perl API
# (REST2 in RT 5.0 cannot create custom fields, rights or tokens).
# Idempotent. Prints KEY=VALUE lines for .ci/rt.env.
use strict;
use warnings;
use utf8;
use RT;
RT::LoadConfig();
RT::Init();

binmode STDOUT, ':utf8';
my $sys = RT->SystemUser;
my $QUEUE = 'ENT Support';

sub must { my ($ok, $msg) = @_; die "rt-seed: $msg\n" unless $ok; return $ok }

# The queue.
my $q = RT::Queue->new($sys);
$q->Load($QUEUE);
unless ($q->Id) {
    must($q->Create(Name => $QUEUE, Description => 'Assistance ENT',
        CorrespondAddress => 'rt@ent-support.test'));
}

# The custom fields: the defaults of internal/helpdesk (DefaultNames,
# Allowed). Lists are Select fields with their values.
my @fields = (
    ['Fonction', 'Select', 1, ["Chef d'établissement", 'Adjoint', 'Correspondant ENT']],
    ['Téléphone', 'Freeform', 1],
    ['Établissement', 'Freeform', 1],
    ['Commune', 'Freeform', 1],
    ['Population concernée', 'Select', 0,
        ['Enseignants', 'Élèves', 'Parents', 'Personnels', 'Vie scolaire', 'Direction', 'Tous']],
    ["URL ou fil d'Ariane", 'Freeform', 1],
    ['Priorité ENT', 'Select', 1, ['bloquante', 'majeure', 'mineure']],
);
my @cfs;
for my $f (@fields) {
    my ($name, $type, $max, $values) = @$f;
    my $cf = RT::CustomField->new($sys);
    $cf->LoadByName(Name => $name, LookupType => 'RT::Queue-RT::Ticket');
    unless ($cf->Id) {
        must($cf->Create(Name => $name, Type => $type, MaxValues => $max,
            LookupType => 'RT::Queue-RT::Ticket', Disabled => 0));
    }
    if ($values) {
        my %have = map { $_->Name => 1 } @{ $cf->Values->ItemsArrayRef };
        my $order = 0;
        for my $v (@$values) {
            $order++;
            next if $have{$v};
            must($cf->AddValue(Name => $v, SortOrder => $order));
        }
    }
    $cf->AddToObject($q) unless $cf->IsAdded($q->Id);
    push @cfs, $cf;
}

sub group {
    my ($name) = @_;
    my $g = RT::Group->new($sys);
    $g->LoadUserDefinedGroup($name);
    must($g->CreateUserDefinedGroup(Name => $name)) unless $g->Id;
    return $g;
}

sub user {
    my ($name, $email, $real, $privileged, $password) = @_;
    my $u = RT::User->new($sys);
    $u->Load($name);
    unless ($u->Id) {
        must($u->Create(Name => $name, EmailAddress => $email, RealName => $real,
            Privileged => $privileged, Password => $password));
    }
    $u->SetPrivileged($privileged) if ($u->Privileged ? 1 : 0) != $privileged;
    $u->SetPassword($password);
    return $u;
}

sub grant_on {
    my ($object, $principal, @rights) = @_;
    for my $r (@rights) {
        my ($ok, $msg) = $principal->GrantRight(Right => $r, Object => $object);
        die "rt-seed: $msg\n" unless $ok || $msg =~ /already has/;
    }
}
sub grant { grant_on($q, @_) }

# The correspondent: not privileged (no RT web UI), files and follows
# tickets of the queue it is requestor of.
my $corr_group = group('Correspondants ENT');
my $corr = user('corr.dupont', 'camille.dupont@ac-exemple.test', 'Camille Dupont', 0, 'correspondant');
$corr_group->AddMember($corr->PrincipalId) unless $corr_group->HasMember($corr->PrincipalObj);
grant($corr_group->PrincipalObj, qw(CreateTicket SeeQueue ReplyToTicket CommentOnTicket
    SeeCustomField ModifyCustomField));
my $requestor = $q->RoleGroup('Requestor');
grant($requestor->PrincipalObj, qw(ShowTicket ShowTicketComments ModifyTicket SeeCustomField ModifyCustomField
    ReplyToTicket CommentOnTicket));

# The support agent: privileged, handles every ticket of the queue.
my $agent_group = group('Support ENT');
my $agent = user('agent.martin', 'claire.martin@ent-support.test', 'Claire Martin', 1, 'agentmartin');
$agent_group->AddMember($agent->PrincipalId) unless $agent_group->HasMember($agent->PrincipalObj);
grant($agent_group->PrincipalObj, qw(CreateTicket SeeQueue ShowTicket ShowTicketComments ModifyTicket
    ReplyToTicket CommentOnTicket OwnTicket TakeTicket StealTicket SeeCustomField ModifyCustomField));

# Reading a field's definition (type, allowed values: what `doctor` and
# the client's checks read) needs SeeCustomField on the field itself.
for my $cf (@cfs) {
    grant_on($cf, $_->PrincipalObj, 'SeeCustomField') for $corr_group, $agent_group;
}

# A new token each run. Older ones are kept: another checkout on the same
# machine (a second worktree, a parallel CI job) may be using them.
sub token {
    my ($u) = @_;
    my $tok = RT::AuthToken->new($sys);
    my ($id, $msg, $auth) = $tok->Create(Owner => $u->Id, Description => 'ent-support tests');
    must($id, $msg);
    return $auth;
}

print "RT_QUEUE='$QUEUE'\n";
print "RT_CORR_USER=corr.dupont\n";
print "RT_CORR_EMAIL=camille.dupont\@ac-exemple.test\n";
print "RT_CORR_PASSWORD=correspondant\n";
print "RT_CORR_TOKEN=", token($corr), "\n";
print "RT_AGENT_USER=agent.martin\n";
print "RT_AGENT_PASSWORD=agentmartin\n";
print "RT_AGENT_TOKEN=", token($agent), "\n";
