/*
 * actor.c: who is running strata, for the ledgers' "applied by" columns:
 * the OS user, and the CI system and run when strata runs in one.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"

const char *st_actor_os_user(void)
{
	static char name[128];
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (name[0] == '\0') {
		if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
			st_strlcpy(name, pw.pw_name, sizeof(name));
		else
			st_snprintf(name, sizeof(name), "uid %ld", (long)geteuid());
	}
	return name;
}

const char *st_actor_ci(void)
{
	static char id[256];
	const char *v;

	if (id[0] != '\0')
		return id;
	if ((v = getenv("GITHUB_ACTIONS")) != NULL && strcmp(v, "true") == 0) {
		const char *repo = getenv("GITHUB_REPOSITORY"), *run = getenv("GITHUB_RUN_ID");
		st_snprintf(id, sizeof(id), "github-actions %s run %s", repo ? repo : "?", run ? run : "?");
	} else if ((v = getenv("GITLAB_CI")) != NULL) {
		const char *p = getenv("CI_PROJECT_PATH"), *job = getenv("CI_JOB_ID");
		st_snprintf(id, sizeof(id), "gitlab-ci %s job %s", p ? p : "?", job ? job : "?");
	} else if ((v = getenv("BUILDKITE_BUILD_URL")) != NULL) {
		st_snprintf(id, sizeof(id), "buildkite %s", v);
	} else if ((v = getenv("JENKINS_URL")) != NULL) {
		const char *tag = getenv("BUILD_TAG");
		st_snprintf(id, sizeof(id), "jenkins %s", tag ? tag : v);
	} else if ((v = getenv("CIRCLE_BUILD_URL")) != NULL) {
		st_snprintf(id, sizeof(id), "circleci %s", v);
	} else if ((v = getenv("CI")) != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)) {
		st_strlcpy(id, "ci", sizeof(id));
	} else {
		return NULL;
	}
	return id;
}
