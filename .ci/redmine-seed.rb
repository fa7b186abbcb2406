# Seeds a fresh Redmine 5 (French default data) for ent-support's tests:
# the REST API, the project, its tracker, the ENT custom fields and
# priorities, a correspondent (Rapporteur) and an agent (Manager).
# Run by .ci/redmine with `rails runner`; idempotent. Prints KEY=value lines.
Setting.rest_api_enabled = '1'
Setting.attachment_max_size = '10240'
Setting.default_language = 'fr'
# No mail server here: Redmine would still render every notification in a
# background thread of the one thin process, slowing the next requests.
Setting.notified_events = []

tracker = Tracker.find_by!(name: 'Assistance')
project = Project.find_by(identifier: 'ent-support') ||
  Project.create!(name: 'Support ENT', identifier: 'ent-support', is_public: false)
project.trackers = [tracker] unless project.trackers.include?(tracker)
project.enabled_module_names = (project.enabled_module_names | ['issue_tracking'])
project.save!

# name, format, possible values, multiple
fields = [
  ['Fonction', 'list', ["Chef d'établissement", 'Adjoint', 'Correspondant ENT'], false],
  ['Téléphone', 'string', nil, false],
  ['Établissement', 'string', nil, false],
  ['Commune', 'string', nil, false],
  ['Population concernée', 'list',
   ['Enseignants', 'Élèves', 'Parents', 'Personnels', 'Vie scolaire', 'Direction', 'Tous'], true],
  ["URL ou fil d'Ariane", 'string', nil, false],
]
fields.each do |name, format, values, multiple|
  cf = IssueCustomField.find_by(name: name) || IssueCustomField.new(name: name, field_format: format)
  cf.possible_values = values if values
  cf.multiple = multiple
  cf.is_filter = true
  cf.searchable = true
  cf.visible = true
  cf.is_for_all = false
  cf.save!
  cf.trackers << tracker unless cf.trackers.include?(tracker)
  project.issue_custom_fields << cf unless project.issue_custom_fields.include?(cf)
end
# A field that exists but is enabled for no project: what doctor must name.
IssueCustomField.find_by(name: 'Champ hors projet') ||
  IssueCustomField.create!(name: 'Champ hors projet', field_format: 'string', is_filter: true, visible: true)

# A field enabled for the project but not for the tracker: Redmine drops
# its value silently; the client must notice by reading the issue back.
off = IssueCustomField.find_by(name: 'Champ hors tracker') ||
  IssueCustomField.create!(name: 'Champ hors tracker', field_format: 'string', is_filter: true, visible: true)
project.issue_custom_fields << off unless project.issue_custom_fields.include?(off)

# A list that lacks values (Parents, Tous…): Redmine refuses them with a
# 422 in the user's language, which the client passes on as it is.
short = IssueCustomField.find_by(name: 'Population (courte)') ||
  IssueCustomField.new(name: 'Population (courte)', field_format: 'list')
short.possible_values = ['Enseignants', 'Élèves']
short.multiple = true
short.is_filter = true
short.visible = true
short.save!
short.trackers << tracker unless short.trackers.include?(tracker)
project.issue_custom_fields << short unless project.issue_custom_fields.include?(short)

# The procedure's priorities, most urgent last (Redmine orders by position).
%w[Mineure Majeure Bloquante].each do |name|
  IssuePriority.find_by(name: name) || IssuePriority.create!(name: name, active: true)
end

def person(login, first, last, mail, project, role_name)
  u = User.find_by(login: login) || User.new(firstname: first, lastname: last, mail: mail)
  u.login = login
  u.language = 'fr'
  u.status = User::STATUS_ACTIVE
  u.password = u.password_confirmation = 'ent-support-test' if u.new_record?
  u.save!
  role = Role.find_by!(name: role_name)
  Member.create!(user: u, project: project, roles: [role]) unless Member.exists?(user_id: u.id, project_id: project.id)
  u
end

corr = person('corr.dupont', 'Camille', 'Dupont', 'camille.dupont@ac-exemple.test', project, 'Rapporteur')
agent = person('agent.martin', 'Claire', 'Martin', 'claire.martin@support.example', project, 'Manager')
admin = User.find_by!(login: 'admin')

puts "REDMINE_KEY=#{corr.api_key}"
puts "REDMINE_AGENT_KEY=#{agent.api_key}"
puts "REDMINE_ADMIN_KEY=#{admin.api_key}"
puts "REDMINE_PROJECT=#{project.identifier}"
puts "REDMINE_TRACKER=#{tracker.name}"
