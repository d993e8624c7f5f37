import click
@click.command("git-setup")
def git_setup():
    pass
